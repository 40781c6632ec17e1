"""Briefing Archive: a static site generator for archives of news briefings.

Data flows one way::

    seeds/ -> normalize -> content/ -> load -> link -> render -> write -> output/
"""

__version__ = "0.1.0"
