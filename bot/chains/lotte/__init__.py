"""Lotte Cinema (issue 19): its web API's answers as the neutral values of bot/chains/base.py.

`client.LotteClient` implements the `Chain` seam; `parse` reads answers without HTTP;
`formats` maps hall codes to format names and user words."""
