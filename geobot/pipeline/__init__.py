"""The staged pipeline every target goes through.

A deployment is an ordered list of stages. The planner decides, per stage, whether it runs
(new, changed inputs, unfinished, always) or is skipped (finished with the same inputs); the
runner executes that decision, journaling each stage before and after it runs, so a deploy
interrupted anywhere (Ctrl-C, kill -9, a failed stage) resumes where it stopped. `destroy` runs
the stages' teardowns in reverse, journaled the same way. The pipeline knows nothing of
Terraform, clouds or the terminal: stages and a reporter are handed to it.
"""
