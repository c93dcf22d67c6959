"""Classification post-processing: the label an answer names, and class probabilities from the
first generated token's top log-probabilities.

A model asked to answer with one label writes it in its first token or few; the first token's
top-k alternatives, each mapped to the label it begins, give a distribution over the labels. This
is how a local model yields class probabilities that ``genjudge run`` can check for calibration.
The top-k mass that maps to no label (other words, white space, a prefix shared by two labels) is
reported as ``1 - probs_mass`` rather than hidden by the renormalisation.

>>> labels = ["account", "billing", "cancellation", "fraud_report"]
>>> label_for(" Fraud report\\n", labels)
'fraud_report'
>>> probs, mass = label_probs({"fra": -0.1, "Bill": -2.5, " ": -4.0}, labels)
>>> round(probs["fraud_report"], 4), round(mass, 4)
(0.9168, 0.9869)
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence

__all__ = ["label_for", "label_key", "label_probs", "token_label"]

_FOLD = re.compile(r"[\s_]+")


def label_key(text: str) -> str:
    """``text`` compared case-, space- and underscore-insensitively (``Fraud report`` ==
    ``fraud_report``)."""
    return _FOLD.sub("", text).casefold()


def label_for(text: str, labels: Sequence[str]) -> str:
    """The label ``text`` names (an exact match up to case, spaces and underscores), else the
    stripped text as is: an answer that is not a label stays visible as the model wrote it."""
    key = label_key(text)
    return next((label for label in labels if label_key(label) == key), text.strip())


def token_label(token: str, labels: Sequence[str]) -> str | None:
    """The label ``token`` begins: the one it names exactly, else the only one it is a prefix of
    (case-insensitive, stripped; ``fra`` -> ``fraud_report``); None when none or several."""
    key = token.strip().casefold()
    if not key:
        return None
    folded = [(label, label.casefold()) for label in labels]
    exact = [label for label, f in folded if f == key]
    if exact:
        return exact[0]
    starts = [label for label, f in folded if f.startswith(key)]
    return starts[0] if len(starts) == 1 else None


def label_probs(top: Mapping[str, float], labels: Sequence[str]) -> tuple[dict[str, float] | None, float]:
    """(distribution over ``labels``, mapped mass) from one token's top log-probabilities.

    ``p(label) = sum(exp(lp) for tokens mapping to label) / mass`` where ``mass`` is the summed
    ``exp(lp)`` of every top token that maps to some label (:func:`token_label`). Every label gets
    an entry (0.0 when no top token names it). No token maps: (None, 0.0).
    """
    mass_by_label = dict.fromkeys(labels, 0.0)
    for token, logprob in top.items():
        label = token_label(token, labels)
        if label is not None:
            mass_by_label[label] += math.exp(logprob)
    mass = sum(mass_by_label.values())
    if mass <= 0.0:
        return None, 0.0
    return {label: m / mass for label, m in mass_by_label.items()}, mass
