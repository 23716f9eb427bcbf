"""The recorder: a practice recorded in the therapist's own voice, phrase by phrase."""
