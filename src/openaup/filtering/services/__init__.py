"""Every change to the filter's settings, lists, requests and overrides goes through these
modules: each function checks who may act, changes the rows in one transaction and records
its audit event there. Import from the module:

- :mod:`.profiles`: profiles, rules, categories, schedules, who gets which profile;
- :mod:`.publishing`: the policy file written from the settings, publishing, compiling in
  the background, rolling back;
- :mod:`.lists`: list sources, downloading and swapping lists in, local lists;
- :mod:`.requests`: unblock requests from the block page, their review, timed overrides.
"""
