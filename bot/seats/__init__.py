"""Seats: a hall's layout, usable seats and blocks (`count`), seat preferences (`prefs`) and
the seat-map picture's model (`picture`). Plain values over the chains' seat maps."""
