"""Watches: what members asked to be told about (`watch`), their forms from commands
(`forms`), watches for films not on sale (`titles`), and the
state of a screening for a watch (`openings`)."""
