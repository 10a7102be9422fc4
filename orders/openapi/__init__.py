"""The open API for sellers' servers (isv-api-reference §2.5, §3.2, §4): query order,
upload string / file, usage push, license activate / heartbeat.

- auth.py: AK/SK SDK-HMAC-SHA256 authentication (the client side is sample_isv/aksk.py);
- errors.py: the MKT.* / 9202* codes and the error bodies;
- throttling.py: the per-key rate limit (OPEN_API_RATE);
- views.py, serializers.py, urls.py: the endpoints; every request is logged (OpenApiLog);
- selectors.py: an order in the reference's wire shape, the mock orders;
- services.py: uploads. Usage and licences are domain services:
  orders/services/metering.py and orders/services/licenses.py.
"""
