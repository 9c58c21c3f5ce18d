# Config: edit and re-run. "sample": CPU, minutes; "full": a GPU + full PTB-XL (~540 MB).
PROFILE = "sample"  # "smoke" | "sample" | "full"; ECGKIT_PROFILE overrides it
profile = config.get_profile(PROFILE)
print(profile)
DATA_ROOT = experiments.prepare_data(profile, DEVICE)  # "full": its cost, then its data
DRIVE = False  # True in Colab: checkpoints on Google Drive, resumed after a disconnect
RETRAIN = False  # True: train again even when a cached model has these settings
