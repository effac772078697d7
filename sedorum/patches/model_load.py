"""Loads the trained TensorFlow models (DIET, TED) without tracing a training step first.

Why: Rasa 3.6's `RasaModel.load` builds an empty model, *trains it for one step* on an
example (`model.fit`) only so that every weight exists with the right shape, then overwrites
those weights from the checkpoint and traces the prediction function. Tracing the training
graph (forward pass, losses, gradients, optimizer) was about three quarters of the model
load in our profile, and the model load is most of the cold start (process start to first
answer: the target is under 30 s).

For serving, one eager (untraced) prediction on the example builds every weight the
prediction uses, with the same shapes. The checkpoint is then restored by object path
(TensorFlow's format, which is what Rasa saves), so the values are exactly the trained
ones; only the optimizer's slots and training-only objects stay unrestored, which serving
never reads (`expect_partial`). The label embeddings are then recomputed from the restored
weights and the prediction function is traced, as in Rasa's own path. Fine-tuning
(`rasa train --finetune`) and models without a prediction example keep Rasa's own path.
`tests/unit/patches/test_model_load.py` checks that both paths give the same predictions.
"""

from __future__ import annotations

import logging
from typing import Any

from sedorum.patches.declaration import Patch

logger = logging.getLogger(__name__)

# Models loaded by the fast path in this process (DIET and TED: 2 per agent); for tests and logs.
fast_loads: list[str] = []


def install() -> None:
    """Replaces RasaModel.load for inference-only loads (idempotent)."""
    from rasa.utils.tensorflow.models import RasaModel

    # Kept as the raw function: a classmethod read back through the class would be bound to
    # RasaModel itself, and DIET/TED (subclasses) would then load as the base class.
    saved = RasaModel.__dict__.get("_sedorum_original_load")
    original = saved.__func__ if saved is not None else RasaModel.__dict__["load"].__func__
    RasaModel._sedorum_original_load = classmethod(original)

    def load(
        cls: type[RasaModel],
        model_file_name: str,
        model_data_example: Any,
        predict_data_example: Any = None,
        finetune_mode: bool = False,
        *args: Any,
        **kwargs: Any,
    ) -> RasaModel:
        if finetune_mode or not predict_data_example:
            return original(
                cls, model_file_name, model_data_example, predict_data_example, finetune_mode, *args, **kwargs
            )
        import rasa.utils.train_utils
        import tensorflow as tf
        from rasa.utils.tensorflow.constants import LEARNING_RATE, RUN_EAGERLY

        model = cls(*args, **kwargs)
        config = kwargs.get("config", {})
        model.compile(
            optimizer=tf.keras.optimizers.Adam(config.get(LEARNING_RATE, 0.001)), run_eagerly=config.get(RUN_EAGERLY)
        )
        # One eager forward pass builds every weight the prediction uses (no graph tracing).
        generator, _ = rasa.utils.train_utils.create_data_generators(
            model_data=predict_data_example, batch_sizes=1, epochs=1, shuffle=False
        )
        batch_in = next(iter(generator))[0]
        model._training = False
        model.prepare_for_predict()
        model.predict_step(batch_in)
        status = model.load_weights(model_file_name)
        status.expect_partial()
        try:
            # Every weight the model has built must come from the checkpoint; else use Rasa's path.
            status.assert_existing_objects_matched()
        except AssertionError as unmatched:
            logger.warning(
                "Fast load of %s did not match the checkpoint (%s); using Rasa's loader.", cls.__name__, unmatched
            )
            return original(
                cls, model_file_name, model_data_example, predict_data_example, finetune_mode, *args, **kwargs
            )
        # Label embeddings computed from the random weights are stale: recompute them, and
        # trace the prediction function with the trained weights (as Rasa does).
        model.prepare_for_predict()
        model.prepared_for_prediction = True
        model._tf_predict_step = None
        model.run_inference(predict_data_example)
        fast_loads.append(cls.__name__)
        logger.debug("Loaded %s for inference without a training step.", cls.__name__)
        return model

    RasaModel.load = classmethod(load)


def uninstall() -> None:
    """Back to Rasa's own loader (tests compare the two)."""
    from rasa.utils.tensorflow.models import RasaModel

    saved = RasaModel.__dict__.get("_sedorum_original_load")
    if saved is not None:
        RasaModel.load = classmethod(saved.__func__)


# Collected by sedorum/patches/registry.py.
PATCHES = (
    Patch(
        name="fast_model_load",
        targets=("rasa.utils.tensorflow.models:RasaModel.load",),
        why="Loading a TensorFlow model traced and ran a training step only to create the weights, "
        "most of the cold start; one eager prediction creates them instead.",
        test="tests/unit/patches/test_model_load.py",
        apply=lambda context: install(),
        enabled=lambda settings: settings.fast_model_load,
        copies="rasa/utils/tensorflow/models.py lines 407-455 (RasaModel.load, Rasa 3.6.21): the "
        "finetune and no-example branches call Rasa's own method; the rest is rewritten",
    ),
)
