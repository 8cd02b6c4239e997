echo "greetings from $(pwd)"
