"""The large golden scenario as Parquet files cut into many row groups and pages, for the spilled report's reading
of number columns straight from their Parquet file (decision 0035): the CSVs' rows four times over (so that a 1MiB
`--memory-budget`, the least there is, is below four times the files' size), row groups of 777 rows (the last short),
data pages of ~1 KiB, dictionary pages for some columns and PLAIN (dictionary off) for others, nulls for missing
values, Snappy. Reads the committed CSVs; writes {reference,current}-row-groups.parquet beside them.

Run: .venv/bin/python scripts/golden/report_row_groups.py
"""
import os

import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

DIR = os.path.join(os.path.dirname(__file__), "..", "..", "packages", "daemon", "test", "golden", "large")

for side in ("reference", "current"):
    # Empty fields are nulls, as the CSV reader reads them; every other column keeps the type pyarrow infers.
    table = pcsv.read_csv(os.path.join(DIR, f"{side}.csv"),
                          convert_options=pcsv.ConvertOptions(strings_can_be_null=True))
    table = table.cast(pa.schema([pa.field(f.name, pa.float64() if pa.types.is_integer(f.type) else f.type)
                                  for f in table.schema]))
    table = pa.concat_tables([table] * 4)
    pq.write_table(table, os.path.join(DIR, f"{side}-row-groups.parquet"), row_group_size=777,
                   data_page_size=1024, use_dictionary=["x1", "x3", "c1", "c2", "sex", "race", "label"],
                   compression="snappy")
