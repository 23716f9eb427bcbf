"""The words of the welcome and the short guide, in one place so they are read and reviewed as
a whole. Written for a client who may be anxious: short sentences, no promises, no pressure.
Pure data; any thread.
"""

from __future__ import annotations

WELCOME_TITLE = "Welcome"
WELCOME_INTRO = "CFT Desktop plays short guided practices for building a kinder inner voice."

# (heading, text): what a practice is like, that the pace is yours, where Ground me is.
WELCOME_SECTIONS: tuple[tuple[str, str], ...] = (
    ("What a practice is like",
     "Choose a practice from the list and press Play. A calm voice guides you for a few minutes, "
     "often with slow breathing and a circle that grows as you breathe in and shrinks as you "
     "breathe out. There is no right way to do it. If your mind wanders, that is fine: you can "
     "simply come back."),
    ("The pace is yours",
     "Under the buttons, Slower and Faster change how many breaths a minute the circle guides, "
     "while it plays. More settings… has the rest: pauses between phrases, the voice, sounds and "
     "colour. You can also choose to practise without any breath work."),
    ("If it gets too much",
     "Ground me, beside the practice's title, stops the practice and plays about a minute of simple "
     "steadying steps (Alt+G). You can stop at any time with Esc. Help → Crisis resources… lists "
     "numbers to call if you need someone now."),
)
WELCOME_AGAIN = "You can read this again under Help → Welcome…"

GUIDE_TITLE = "A short guide"
GUIDE_SECTIONS: tuple[tuple[str, str], ...] = (
    ("Choosing a practice",
     "The list on the left groups the practices by kind. Each one says how long it takes at the "
     "usual pace and what it involves. Use the arrow keys to move through the list and Space to "
     "start."),
    ("Playing",
     "Space plays and pauses. Esc stops. The left and right arrows go back or on by one phrase. "
     "The words being spoken can be shown under the circle (More settings… → Show the words)."),
    ("Pace and settings",
     "Slower and Faster change the breathing pace from the next breath. More settings… opens "
     "the side panel: breathing patterns, in-breath to out-breath, holds, pauses, speech rate, "
     "voice, background sounds and the pacer's colour. Dark theme, Large text and Reduce motion "
     "are in the View menu."),
    ("Ratings",
     "If you agreed to keep ratings, you are asked a few short questions before and after a "
     "practice. They stay on this computer. Ratings → History shows them over time; you can "
     "export them for your therapist or erase them."),
    ("Taking a practice with you",
     "Scripts → Save as audio… makes a sound file of the chosen practice at your pace, to play "
     "on a phone or any music player."),
    ("For therapists",
     "Ratings → Therapist mode keeps several clients apart on one computer, each under a "
     "pseudonym, and shows every setting at all times. Scripts → New practice… writes a practice "
     "of your own."),
    ("If you need help now",
     "CFT Desktop is not a crisis service and cannot contact anyone. Help → Crisis resources… "
     "lists numbers to call or text."),
)
