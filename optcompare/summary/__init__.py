"""From records to numbers and documents: statistics, summary.json and CSV rows, tables.

:mod:`optcompare.stats` (a foundation, since tuning needs it too) is where runs become medians
and quartiles, so every file, table, figure and page shows the same number.
"""
