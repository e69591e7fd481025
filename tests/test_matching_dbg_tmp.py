from tests.test_matching_views import *
def test_dbg(client, login_as):
    login_as("agency")
    r = client.get("/match")
    print(r.status_code, r.get_data(as_text=True)[:3000])
    assert 0
