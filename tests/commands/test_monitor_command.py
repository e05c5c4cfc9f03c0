import numpy as np

from emgfeedback.cli import main
from emgfeedback.commands.monitor import LiveSummary, format_summary
from emgfeedback.model import FeedbackFrame, FiringOrder, Montage, Muscle, Onset, Side


def _frame(**kw) -> FeedbackFrame:
    ids = Montage.default().ids
    base = dict(
        t_s=12.0,
        channels=ids,
        envelope_uv=np.zeros((8, 20)),
        filtered_uv=np.zeros((8, 20)),
        level_uv=np.arange(8, dtype=float) * 10,
    )
    base.update(kw)
    return FeedbackFrame(**base)


def test_summary_table_shows_levels_onsets_order_and_ratio():
    summary = LiveSummary()
    order = FiringOrder(Side.LEFT, (Muscle.GLUTE_MAX, Muscle.LUMBAR_ES), (11.00, 11.05), rep=0)
    summary.update(_frame(onsets=(Onset(11.0, None, "glute_max_left"),),
                          firing_order={Side.LEFT: order}, tfl_to_glute_ratio={Side.LEFT: 0.5},
                          lost_samples=3))
    summary.update(_frame(t_s=13.0, lost_samples=2))
    text = format_summary(summary)
    assert "t =    13.0 s   lost samples: 5" in text
    gmax = next(line for line in text.splitlines() if line.startswith("gluteus maximus"))
    assert "0.0 µV" in gmax and "11.00 s" in gmax and "40.0 µV" in gmax
    assert "left: gluteus maximus first (GMax − ES onset -50 ms);  TFL-to-glute-med ratio 0.50" in text
    assert "right: no complete rep yet;  TFL-to-glute-med ratio -" in text


def test_percent_mvc_shown_when_known():
    summary = LiveSummary()
    summary.update(_frame(percent_mvc=np.full(8, 42.0)))
    assert "42.0 %MVC" in format_summary(summary)


def _monitor(capsys, scenario: str) -> str:
    rc = main(["monitor", "--device", f"sim://?scenario={scenario}&realtime=0", "--duration", "2.5",
               "--interval", "0.5"])
    assert rc == 0
    return capsys.readouterr().out


def test_monitor_on_simulated_healthy_patient_shows_glute_max_first(capsys):
    out = _monitor(capsys, "healthy")
    assert "gluteus maximus first" in out.split("t =")[-1]


def test_monitor_on_simulated_lbp_patient_shows_lumbar_first(capsys):
    out = _monitor(capsys, "lbp-lumbar-first")
    assert "lumbar erector spinae first" in out.split("t =")[-1]


def test_bad_device_url_is_a_one_line_error(capsys):
    assert main(["monitor", "--device", "nope://x", "--duration", "1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("emgfeedback monitor: error:") and err.count("\n") == 1


def test_monitor_uses_the_processing_options(tmp_path, capsys):
    rc = main(["monitor", "--device", "sim://?scenario=healthy&realtime=0", "--duration", "1",
               "--interval", "0.5", "--mains", "none", "--method", "tkeo"])
    assert rc == 0
    head = capsys.readouterr().out.splitlines()[0]
    assert "no notch" in head and "onsets tkeo" in head
    bad = tmp_path / "s.json"
    bad.write_text('{"mains_hz": 55}')
    assert main(["monitor", "--device", "sim://", "--duration", "1", "--settings", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("emgfeedback monitor: error: settings file") and "mains_hz" in err
    assert err.count("\n") == 1


def test_quality_alarm_printed_once_when_raised_and_once_when_cleared():
    from emgfeedback.model import ChannelQuality

    alarm = "GMax L: no signal (flat or lead-off) — check the electrode is on the skin and the lead is plugged in"
    ids = Montage.default().ids
    bad = tuple(ChannelQuality(c, 0.0, 0.0, c == ids[0], 3.0, (alarm,) if c == ids[0] else ()) for c in ids)
    good = tuple(ChannelQuality(c, 0.0, 0.0, False, 3.0) for c in ids)
    summary, printed = LiveSummary(), []
    for second in range(6):  # the run loop: frames, one print, events emptied
        for _ in range(3):
            summary.update(_frame(quality=bad if 1 <= second <= 3 else good))
        printed.append(format_summary(summary))
        summary.events.clear()
    text = "\n".join(printed)
    assert text.count(alarm) == 2 and f"  ! {alarm}" in printed[1] and f"  cleared: {alarm}" in printed[4]
    assert "electrode problems: 1" in printed[2] and "electrode problems: 0" in printed[5]
