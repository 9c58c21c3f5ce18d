# Config: edit and re-run. "sample" runs on CPU in minutes; "full" wants the full data and a GPU.
PROFILE = "sample"  # "smoke" | "sample" | "full"  (the ECGKIT_PROFILE environment variable overrides)
profile = config.get_profile(PROFILE)
print(profile)
