"""Outbound webhooks (Standard Webhooks): the outbox every change publishes to (`publish`, `EventType`), the
admins' subscriptions, the delivery loop with retries and a dead-letter state, and the delivery log.

Modules: `tables` (rows), `outbox` (publish), `signing` (secrets, encryption, signatures), `addresses` (which
URLs may receive), `store` (subscriptions and deliveries), `delivery` (the loop), `schemas`, `routes`.
"""

from api.webhooks.outbox import EventType, publish

__all__ = ["EventType", "publish"]
