"""emgfeedback: surface-EMG biofeedback for glute activation retraining on wearable sensors."""

from emgfeedback.model import (
    Channel,
    ChannelQuality,
    FeedbackFrame,
    FiringOrder,
    Montage,
    Muscle,
    Onset,
    SampleBlock,
    Side,
    StreamInfo,
)

__version__ = "0.1.0"

__all__ = [
    "Channel",
    "ChannelQuality",
    "FeedbackFrame",
    "FiringOrder",
    "Montage",
    "Muscle",
    "Onset",
    "SampleBlock",
    "Side",
    "StreamInfo",
    "__version__",
]
