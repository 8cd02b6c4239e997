echo "the last CMD runs"
