-- How far the batch job's silver reaches for each served table: the newest change key it holds.
select
    table_name,
    change_key,
    watermark,
    written_at
from {{ source('silver', 'batch_watermarks') }}
