"""Replays of past campaigns through the platform's own services (issue 13).

A replay builds a city's population with the synthetic generator, imports it through the
registry's and network's imports, and then lives the campaign day by day: people arrive at
outlets and online at rates chosen per day, employers apply for their staff, production
batches, personalises and sends files to the card factory, the post delivers. Every fact is
written by the service a person or a worker would call; the replay only decides who comes
when. At the end it prints the report the notice gave, read from the bureau's statistics.

``shanghai.py`` is Shanghai's 2018 pilot (SH-02). The replay sits above ``sscard.testing``
because it hands the batch files to the same stand-in card factory the tests and the demo use.
"""
