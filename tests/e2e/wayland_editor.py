"""Another application on the Wayland desktop: a window titled "Editor" with one text
field; every change of its text is written to the file named by argv[1] (via a rename,
so a reader never sees half a write). The test types into it while the popup is up."""

import os
import sys

from PySide6.QtWidgets import QApplication, QLineEdit

app = QApplication(sys.argv[:1])
out = sys.argv[1]
field = QLineEdit()
field.setWindowTitle("Editor")
field.resize(420, 60)


def write(text: str) -> None:
    with open(out + ".tmp", "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(out + ".tmp", out)


field.textChanged.connect(write)
write("")
field.show()
app.exec()
