"""The ISV production interface 生产接口 (04-isv-integration, isv-api-reference.md).

- `signing`: the V2 URL signature (§2.1) and the kit header signature (§2.2);
- `client`: one signed POST to a product's production URL, classified (`Exchange`);
- `dispatcher`: `HttpDispatcher`, the retry policy (backoff, jitter, windows) and the
  asynchronous-provisioning poll with queryInstance;
- `appinfo`: decrypting `userName` / `password` of appInfo (§2.3);
- `health`: automatic delisting of products whose interface failed too many orders;
- `messages`: the production interface messages (seller center, admin): lists, restart.
"""
