async def test_admin_lists_departments(client, as_admin, acme) -> None:
    r = await client.get("/departments", headers=as_admin)
    assert r.status_code == 200, r.text
    assert r.json()["total"] == 1
