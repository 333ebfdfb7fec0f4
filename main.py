"""Start UR4Rec Studio: `python main.py [config.yaml | run folder]`."""

from app.main_window import run_studio

if __name__ == "__main__":
    raise SystemExit(run_studio())
