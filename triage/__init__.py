"""Tandem's domain: the vocabulary, priority triage and plain-language rendering. Pure, no I/O."""
