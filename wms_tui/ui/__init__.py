"""The Textual app (the edge: it calls services, never the store directly). Textual is
imported by the modules below, after this runs."""

import os

# A screen update waits for the next frame; at Textual's default 60 fps that is up to 17 ms
# after a scan was answered. 120 fps halves that wait; frames are only drawn when something
# changed, so an idle terminal does not pay for it. An explicit TEXTUAL_FPS still wins.
os.environ.setdefault("TEXTUAL_FPS", "120")
