import os

from markupsafe import escape

# Keeps its state in a folder of the working directory, created at start-up.
os.makedirs("data", exist_ok=True)
with open(os.path.join("data", "state.txt"), "w") as state:
    state.write("started\n")
print("python app wrote data/state.txt:", escape("<ok>"))
