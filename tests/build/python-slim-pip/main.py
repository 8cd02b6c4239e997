import six

print("six", six.__version__, "imported")
