"""The command line: parse, call one factory-built object, render. No cloud logic here."""
