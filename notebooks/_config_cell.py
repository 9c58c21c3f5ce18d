# Config: edit and re-run. "sample": CPU, minutes; "full": a GPU + full PTB-XL (~1 GB).
PROFILE = "sample"  # "smoke" | "sample" | "full"; ECGKIT_PROFILE overrides it
profile = config.get_profile(PROFILE)
print(profile)
DRIVE = False  # True in Colab: checkpoints on Google Drive, resumed after a disconnect
