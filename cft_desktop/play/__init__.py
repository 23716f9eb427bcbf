"""The Qt-free player: one play lifecycle shared by the window and the command line.

`player.Player` owns a playing practice (cached clips, synthesis ahead, pre-roll, the engine, live
changes, a lost output, the end); `dispatch` holds how workers hand news back to the owner's
thread; `narration.default_narrator` builds the one narrator both front ends use. Nothing here
imports Qt: `ui/player/playback.py` turns the player's news into Qt events, `cli.py` drains it in its loop.
"""
