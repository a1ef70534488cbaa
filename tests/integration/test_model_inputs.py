"""The Makefile retrains the model when anything the NLU components import changes: its model
inputs (bot/nlu/model_inputs.py) hold every project module that a fresh interpreter loads when it
imports the components, as the Rasa server does."""
from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_model_is_retrained_when_anything_the_nlu_imports_changes():
    import subprocess
    import sys

    from bot.nlu.model_inputs import model_inputs

    inputs = {str(path) for path in model_inputs()}
    assert {"bot/vocabulary.py", "bot/nlu/lexicon.py", "providers/taxonomy.py",
            "providers/geocode/geocoder.py"} <= inputs
    assert not any(path.startswith("providers/importers") for path in inputs)  # the registry is not the model
    # What importing the components really loads, as the Rasa server does.
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, bot.nlu.crisis, bot.nlu.entities, bot.nlu.intent_average, "
         "bot.nlu.unreadable; print('\\n'.join(getattr(m, '__file__', '') or '' for m in list(sys.modules.values())))"],
        cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    own = {str(Path(f).relative_to(ROOT)) for f in loaded if f.startswith(str(ROOT / "bot")) or
           f.startswith(str(ROOT / "providers"))}
    assert own <= inputs, own - inputs
