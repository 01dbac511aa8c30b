"""The organisation (skills, the team calendar, the policy): routes and schemas."""
