"""Ratings, records and safety in the window: the controllers that call the store, and under
`views/` the forms and dialogs they show. GUI thread only."""
