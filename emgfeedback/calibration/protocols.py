"""Exercise protocols (``calibration/protocols/*.toml``): reps, sets, timings, cues and which
metric is the feedback."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from emgfeedback.calibration._reader import TomlFile, default_calibration_dir
from emgfeedback.errors import ConfigError
from emgfeedback.model import Muscle

__all__ = ["FEEDBACK_METRICS", "SIDES", "Feedback", "Cues", "Protocol", "load_protocol", "load_protocols"]

#: The built-in feedback metrics (every metric registered with
#: ``emgfeedback.measures.register_feedback_metric`` is accepted).
FEEDBACK_METRICS = ("percent_mvc", "tfl_to_glute_ratio", "firing_order", "symmetry")
#: ``both`` sides at once, one side only, or ``each`` side in turn (sets alternate left, right).
SIDES = ("both", "left", "right", "each")

_TOP_KEYS = ("schema", "id", "name", "order", "position", "summary", "sides", "reps", "sets",
             "prepare_s", "hold_s", "rest_s", "set_rest_s", "target_muscles", "feedback", "cues")
_FEEDBACK_KEYS = ("metric", "muscle", "target_pct_mvc", "max_ratio", "first", "before",
                  "max_asymmetry_pct")


@dataclass(frozen=True)
class Feedback:
    """Which number the patient is trained on.

    Parameters
    ----------
    metric : str
        One of ``FEEDBACK_METRICS``.
    muscle : Muscle or None
        Muscle whose %MVC or symmetry is shown (percent_mvc, symmetry, tfl_to_glute_ratio).
    target_pct_mvc : (float, float) or None
        Target zone of that muscle, %MVC.
    max_ratio : float or None
        Highest acceptable TFL-to-gluteus-medius ratio (tfl_to_glute_ratio).
    first, before : Muscle or None
        ``first`` should fire before ``before`` (firing_order).
    max_asymmetry_pct : float or None
        Highest acceptable left/right symmetry index, % (symmetry).
    """

    metric: str
    muscle: "Muscle | None" = None
    target_pct_mvc: "tuple[float, float] | None" = None
    max_ratio: "float | None" = None
    first: "Muscle | None" = None
    before: "Muscle | None" = None
    max_asymmetry_pct: "float | None" = None


@dataclass(frozen=True)
class Cues:
    """What to say in each phase."""

    prepare: str
    hold: str
    rest: str
    set_rest: str


@dataclass(frozen=True)
class Protocol:
    """One exercise as the session runner plays it.

    Parameters
    ----------
    id, name : str
        Identifier (the file's stem) and display name.
    order : int
        Position in menus (lower first).
    position, summary : str
        Patient set-up and what the exercise is for.
    sides : str
        One of ``SIDES``.
    reps, sets : int
        Reps per set and sets (per side when ``sides == "each"``).
    prepare_s, hold_s, rest_s, set_rest_s : float
        Phase lengths, s.
    target_muscles : tuple of Muscle
        Muscles the exercise is about.
    feedback : Feedback
        The number shown as feedback.
    cues : Cues
        Cue text per phase.
    source : str
        File the protocol was read from.
    """

    id: str
    name: str
    order: int
    position: str
    summary: str
    sides: str
    reps: int
    sets: int
    prepare_s: float
    hold_s: float
    rest_s: float
    set_rest_s: float
    target_muscles: tuple[Muscle, ...]
    feedback: Feedback
    cues: Cues
    source: str = ""

    @property
    def total_sets(self) -> int:
        """Sets to run in all (twice ``sets`` when each side is done in turn)."""
        return self.sets * 2 if self.sides == "each" else self.sets


def _feedback(f: TomlFile, t: Mapping) -> Feedback:
    f.check_keys(t, _FEEDBACK_KEYS, "feedback.")
    from emgfeedback.measures.feedback import feedback_metrics  # the registry (below this layer's users)

    metric = f.choice(t, "metric", "feedback.metric", feedback_metrics())
    muscle = f.muscle(t["muscle"], "feedback.muscle") if "muscle" in t else None
    zone = None
    if "target_pct_mvc" in t:
        z = t["target_pct_mvc"]
        ok = (isinstance(z, list) and len(z) == 2
              and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in z)
              and 0 <= z[0] < z[1] <= 200)
        if not ok:
            raise f.error("feedback.target_pct_mvc",
                          f"expected [low, high] in %MVC with 0 <= low < high <= 200, got {z!r}")
        zone = (float(z[0]), float(z[1]))
    fb = Feedback(metric=metric, muscle=muscle, target_pct_mvc=zone)
    if metric == "percent_mvc":
        if muscle is None or zone is None:
            raise f.error("feedback.muscle" if muscle is None else "feedback.target_pct_mvc",
                          "missing; metric 'percent_mvc' needs muscle and target_pct_mvc = [low, high]")
    elif metric == "tfl_to_glute_ratio":
        ratio = f.number(t, "max_ratio", "feedback.max_ratio", low=0, high=10, low_open=True)
        fb = Feedback(metric, muscle or Muscle.GLUTE_MED, zone, max_ratio=ratio)
    elif metric == "firing_order":
        first = f.muscle(t.get("first"), "feedback.first")
        before = f.muscle(t.get("before"), "feedback.before")
        if first is before:
            raise f.error("feedback.before", f"must differ from feedback.first, both are {first.value!r}")
        fb = Feedback(metric, muscle, zone, first=first, before=before)
    elif metric == "symmetry":
        if muscle is None:
            raise f.error("feedback.muscle", "missing; metric 'symmetry' needs a muscle")
        asym = f.number(t, "max_asymmetry_pct", "feedback.max_asymmetry_pct", low=0, high=100,
                        low_open=True, unit="%")
        fb = Feedback(metric, muscle, zone, max_asymmetry_pct=asym)
    return fb  # a registered metric of a plug-in: the generic fields above


def load_protocol(path: "Path | str") -> Protocol:
    """Load and validate one protocol file.

    Raises
    ------
    ConfigError
        Naming the file and key when the file is missing or invalid.
    """
    f = TomlFile(path)
    f.schema()
    d = f.data
    f.check_keys(d, _TOP_KEYS)
    pid = f.text(d, "id", "id")
    if pid != f.path.stem:
        raise f.error("id", f"must equal the file name without .toml ({f.path.stem!r}), got {pid!r}")
    targets = d.get("target_muscles")
    if targets is None:
        raise f.error("target_muscles", "missing; expected a non-empty list of muscles")
    if not isinstance(targets, list) or not targets:
        raise f.error("target_muscles", f"expected a non-empty list of muscles, got {targets!r}")
    cues_t = f.table(d, "cues", "cues")
    f.check_keys(cues_t, ("prepare", "hold", "rest", "set_rest"), "cues.")
    return Protocol(
        id=pid,
        name=f.text(d, "name", "name"),
        order=f.integer(d, "order", "order", default=100, low=0, high=10000),
        position=f.text(d, "position", "position"),
        summary=f.text(d, "summary", "summary"),
        sides=f.choice(d, "sides", "sides", SIDES),
        reps=f.integer(d, "reps", "reps", low=1, high=100),
        sets=f.integer(d, "sets", "sets", low=1, high=20),
        prepare_s=f.number(d, "prepare_s", "prepare_s", low=0, high=60, unit="s"),
        hold_s=f.number(d, "hold_s", "hold_s", low=0, high=120, low_open=True, unit="s"),
        rest_s=f.number(d, "rest_s", "rest_s", low=0, high=600, unit="s"),
        set_rest_s=f.number(d, "set_rest_s", "set_rest_s", low=0, high=1800, unit="s"),
        target_muscles=tuple(f.muscle(m, f"target_muscles[{i}]") for i, m in enumerate(targets)),
        feedback=_feedback(f, f.table(d, "feedback", "feedback")),
        cues=Cues(**{k: f.text(cues_t, k, f"cues.{k}") for k in ("prepare", "hold", "rest", "set_rest")}),
        source=str(f.path),
    )


def load_protocols(directory: "Path | str | None" = None) -> dict[str, Protocol]:
    """Load every ``*.toml`` in ``directory`` (default ``<calibration dir>/protocols``), keyed by
    id and sorted by ``order`` then name.

    Raises
    ------
    ConfigError
        When the folder is missing or empty, or any file in it is invalid.
    """
    folder = Path(directory) if directory is not None else default_calibration_dir() / "protocols"
    if not folder.is_dir():
        raise ConfigError(f"{folder}: protocol folder not found")
    files = sorted(folder.glob("*.toml"))
    if not files:
        raise ConfigError(f"{folder}: no protocol files (*.toml) found")
    protocols = [load_protocol(p) for p in files]
    protocols.sort(key=lambda p: (p.order, p.name))
    return {p.id: p for p in protocols}
