"""Human labels: the rated-sample format, its readers and fingerprint, and importers.

See ``human_labels/README.md`` for the format.
"""

from genjudge.labels.importers import import_pandalm, import_summeval
from genjudge.labels.model import MANIFEST_NAME, RatingsSource, RubricRef, SampleManifest, Scale
from genjudge.labels.readers import (
    RatedSample,
    load_sample,
    read_items,
    read_long,
    read_wide,
    sample_fingerprint,
)

__all__ = [
    "MANIFEST_NAME",
    "RatedSample",
    "RatingsSource",
    "RubricRef",
    "SampleManifest",
    "Scale",
    "import_pandalm",
    "import_summeval",
    "load_sample",
    "read_items",
    "read_long",
    "read_wide",
    "sample_fingerprint",
]
