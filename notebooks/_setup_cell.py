# Setup: install ecgkit if missing (Colab), find or download the data, pick the device, seed.
import importlib.util, subprocess, sys
REPO_URL = "https://github.com/ecg-course/ecg-deep-learning"  # one place: _config.yml repository.url
if importlib.util.find_spec("ecgkit") is None:
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", f"ecgkit @ git+{REPO_URL}"], check=True)

import ecgkit
from ecgkit import config, data

DATA_ROOT = data.ensure_data("sample")   # uses $ECGKIT_DATA as is when it holds the data
DEVICE = config.get_device()             # CUDA, then Apple MPS, then CPU
config.seed_everything(0)
print(f"ecgkit {ecgkit.__version__} | data: {DATA_ROOT} | device: {DEVICE}")
