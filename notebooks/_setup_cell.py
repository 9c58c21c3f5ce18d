CHAPTER, EXTRAS = "00", ""  # extras: beyond ecgkit's core
# Setup: install what this chapter imports if missing (Colab), find or download the data,
# pick the device, seed. Extras per chapter: installing is the first thing Colab does, and
# a chapter that does not use shap, captum or streamlit should not wait for them.
import importlib.util, subprocess, sys, time
from importlib.metadata import version
REPO_URL = "https://github.com/ecg-course/ecg-deep-learning"  # from _config.yml
MODULES = {"images": "pyts pywt", "explain": "captum shap", "app": "streamlit"}
needed = ["ecgkit", *" ".join(MODULES[e] for e in EXTRAS.split(",") if e).split()]
if any(importlib.util.find_spec(m) is None for m in needed):
    t0, pkg = time.time(), f"ecgkit[{EXTRAS}]".replace("[]", "")
    pip = [sys.executable, "-m", "pip", "install", "-q", f"{pkg} @ git+{REPO_URL}"]
    subprocess.run(pip + [f"torch=={version('torch')}"], check=True)  # Colab's own torch
    importlib.invalidate_caches()
    print(f"installed {pkg} in {time.time() - t0:.0f} s")

import ecgkit
from ecgkit import config, data, experiments

DATA_ROOT = data.ensure_data("sample")   # uses $ECGKIT_DATA as is when it holds the data
DEVICE = config.get_device()             # CUDA, then Apple MPS, then CPU
config.seed_everything(0)
print(f"ecgkit {ecgkit.__version__} | data: {DATA_ROOT} | device: {DEVICE}")
print(config.chapter_cost(CHAPTER))         # what it took on the reference machine
