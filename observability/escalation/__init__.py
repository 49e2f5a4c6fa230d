"""The escalation matrix (people, rotations, policies): pure on-call and plan maths, and the engine."""
