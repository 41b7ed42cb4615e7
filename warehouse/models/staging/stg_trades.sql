-- Coinbase's public trades of both products, one row per trade (the API sources' silver).
{% set products = {'coinbase_btc_usd_trades': 'BTC-USD', 'coinbase_eth_usd_trades': 'ETH-USD'} %}
{% for source_name, product in products.items() %}
select
    '{{ product }}' as product,
    trade_id,
    side,
    price,
    size,
    {{ adapter.quote('time') }} as traded_at
from {{ source('silver', 'api_' ~ source_name) }}
{% if not loop.last %}union all{% endif %}
{% endfor %}
