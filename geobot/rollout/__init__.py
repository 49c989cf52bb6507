"""Rolling updates: one region out of rotation at a time, journaled so a killed rollout resumes.

`machine` decides (pure), `driver` acts through a target's rotation (router, Traffic Manager)
and updater (process supervisor, web app); targets wire the two.
"""
