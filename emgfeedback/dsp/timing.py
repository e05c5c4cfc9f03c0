"""Activation timing: group onsets into reps, onset latency between channels, firing order.

Typical use: prone hip extension, where gluteus maximus should fire before the lumbar erector
spinae; an erector-first pattern is associated with low-back pain (e.g. Bruno & Bagust 2007;
Sakamoto et al. 2009 report onset order and latency per rep this way).
"""

from __future__ import annotations

from typing import Iterable, Mapping, Sequence

import numpy as np

from emgfeedback.model import Channel, FiringOrder, Muscle, Onset, Side

__all__ = ["group_reps", "onset_latency_ms", "firing_order"]


def _flatten(onsets: "Iterable[Onset] | Mapping[str, Iterable[Onset]]") -> list[Onset]:
    if isinstance(onsets, Mapping):
        return [o for group in onsets.values() for o in group]
    return list(onsets)


def group_reps(
    onsets: "Iterable[Onset] | Mapping[str, Iterable[Onset]]", *, join_s: float = 0.3
) -> list[tuple[Onset, ...]]:
    """Group bursts of all channels into reps: overlapping activity is one rep.

    Bursts are taken in onset order; a burst joins the current rep when it starts before the
    latest offset seen in that rep plus ``join_s``; otherwise it starts a new rep. A burst
    still open (``offset_s=None``) keeps its rep open.

    Parameters
    ----------
    onsets : iterable of Onset, or mapping of channel id to onsets
        Detected (or true) bursts of any channels.
    join_s : float
        Gap tolerated between bursts of one rep, s.

    Returns
    -------
    list of tuple of Onset
        One tuple per rep, in time order; each tuple sorted by onset time.
    """
    if join_s < 0:
        raise ValueError(f"join_s must be ≥ 0 s, got {join_s}")
    ordered = sorted(_flatten(onsets), key=lambda o: (o.onset_s, o.channel))
    reps: list[list[Onset]] = []
    end = -np.inf
    for o in ordered:
        if reps and o.onset_s <= end + join_s:
            reps[-1].append(o)
        else:
            reps.append([o])
            end = -np.inf
        end = max(end, np.inf if o.offset_s is None else o.offset_s)
    return [tuple(r) for r in reps]


def _first_onset(rep: Sequence[Onset], channel: str) -> float:
    times = [o.onset_s for o in rep if o.channel == channel]
    return min(times) if times else np.nan


def onset_latency_ms(
    onsets: "Iterable[Onset] | Mapping[str, Iterable[Onset]]",
    a: "str | Channel",
    b: "str | Channel",
    *,
    reps: "Sequence[Sequence[Onset]] | None" = None,
    join_s: float = 0.3,
) -> np.ndarray:
    """Onset of channel ``a`` minus onset of channel ``b`` in each rep, ms.

    Parameters
    ----------
    onsets : iterable of Onset, or mapping of channel id to onsets
        Bursts of (at least) both channels.
    a, b : str or Channel
        Channel ids (or channels). Positive latency: ``b`` fired first.
    reps : sequence of sequences of Onset, optional
        Reps already grouped (e.g. by :func:`group_reps`); default groups ``onsets``.
    join_s : float
        Passed to :func:`group_reps`.

    Returns
    -------
    ndarray, shape (n_reps,)
        Latency per rep, ms; NaN where either channel did not fire in that rep.
    """
    ida, idb = str(a), str(b)
    groups = group_reps(onsets, join_s=join_s) if reps is None else reps
    out = [(_first_onset(r, ida) - _first_onset(r, idb)) * 1000.0 for r in groups]
    return np.asarray(out, dtype=np.float64)


def firing_order(
    onsets_by_channel: "Mapping[str, Iterable[Onset]] | Iterable[Onset]",
    side: Side,
    muscles: Sequence[Muscle] = (Muscle.GLUTE_MAX, Muscle.LUMBAR_ES),
    *,
    reps: "Sequence[Sequence[Onset]] | None" = None,
    join_s: float = 0.3,
    min_muscles: int = 2,
) -> list[FiringOrder]:
    """Order in which ``muscles`` on ``side`` fired, rep by rep.

    Parameters
    ----------
    onsets_by_channel : mapping of channel id to onsets, or iterable of Onset
        Bursts of any channels (other sides and muscles are ignored).
    side : Side
        Body side to report.
    muscles : sequence of Muscle
        Muscles to order (default glute max vs lumbar ES).
    reps : sequence of sequences of Onset, optional
        Reps already grouped; default :func:`group_reps` over all the bursts given.
    join_s : float
        Passed to :func:`group_reps`.
    min_muscles : int
        Reps where fewer of ``muscles`` fired are left out (default 2: an order needs two).

    Returns
    -------
    list of FiringOrder
        One per kept rep, with ``rep`` = index of the rep among all reps.
    """
    if not muscles:
        raise ValueError("muscles must name at least one muscle")
    side = Side(side)
    groups = group_reps(onsets_by_channel, join_s=join_s) if reps is None else reps
    ids = [Channel(Muscle(m), side).id for m in muscles]
    out: list[FiringOrder] = []
    for i, rep in enumerate(groups):
        times = [(t, Muscle(m)) for m, cid in zip(muscles, ids) if np.isfinite(t := _first_onset(rep, cid))]
        if len(times) < min_muscles:
            continue
        times.sort(key=lambda p: p[0])
        out.append(FiringOrder(side, tuple(m for _, m in times), tuple(float(t) for t, _ in times), rep=i))
    return out
