"""Behind the load balancer: limits count visitors, not the balancer."""

from django.contrib.auth import get_user_model
from django.test import Client, TestCase, override_settings
from django.urls import reverse

from contact.models import Message
from tests.contact.test_contact import VALID

BALANCER = "10.0.0.5"
VISITOR, OTHER_VISITOR = "198.51.100.1", "203.0.113.9"


@override_settings(
    TRUSTED_PROXIES=["10.0.0.0/8"], AXES_FAILURE_LIMIT=3, AXES_ADDRESS_FAILURE_LIMIT=3, CONTACT_RATE_LIMIT=2
)
class BehindTheLoadBalancerTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        get_user_model().objects.create_user("editor", "editor@example.gov", "a long passphrase", is_staff=True)

    def sign_in(self, password, *, username="editor", peer=BALANCER, forwarded=VISITOR):
        client = Client(REMOTE_ADDR=peer, HTTP_X_FORWARDED_FOR=forwarded)
        return client.post("/admin/login/?next=/admin/", {"username": username, "password": password})

    def assert_signed_in(self, response):
        self.assertRedirects(response, "/admin/", fetch_redirect_response=False)

    def test_one_visitors_failures_pause_that_visitor_not_everyone_behind_the_balancer(self):
        for name in ("alice", "bob", "carol"):
            self.sign_in("guess", username=name)
        self.assertEqual(self.sign_in("a long passphrase").status_code, 429)
        self.assert_signed_in(self.sign_in("a long passphrase", forwarded=OTHER_VISITOR))

    def test_an_address_the_visitor_wrote_into_the_header_is_not_believed(self):
        # The visitor sends X-Forwarded-For itself; the balancer adds the address it saw.
        for name in ("alice", "bob", "carol"):
            self.sign_in("guess", username=name, forwarded=f"{OTHER_VISITOR}, {VISITOR}")
        self.assertEqual(self.sign_in("a long passphrase").status_code, 429)
        self.assert_signed_in(self.sign_in("a long passphrase", forwarded=OTHER_VISITOR))

    def test_the_header_is_ignored_unless_a_trusted_proxy_sends_it(self):
        for name in ("alice", "bob", "carol"):
            self.sign_in("guess", username=name, peer=VISITOR, forwarded=OTHER_VISITOR)
        self.assertEqual(self.sign_in("a long passphrase", peer=VISITOR, forwarded="").status_code, 429)
        self.assert_signed_in(self.sign_in("a long passphrase", forwarded=OTHER_VISITOR))

    def test_behind_nginx_on_gunicorns_unix_socket_the_visitor_is_the_last_address(self):
        # gunicorn gives a Unix socket's peer, nginx, no address; nginx puts
        # the visitor last, after whatever the visitor sent.
        for name in ("alice", "bob", "carol"):
            self.sign_in("guess", username=name, peer="", forwarded=f"{OTHER_VISITOR}, {VISITOR}")
        self.assertEqual(self.sign_in("a long passphrase", peer="").status_code, 429)
        self.assert_signed_in(self.sign_in("a long passphrase", peer="", forwarded=OTHER_VISITOR))

    def test_an_address_with_its_port_is_the_same_visitor(self):
        for name in ("alice", "bob", "carol"):
            self.sign_in("guess", username=name, forwarded=f"{VISITOR}:4711")
        self.assertEqual(self.sign_in("a long passphrase").status_code, 429)
        self.assert_signed_in(self.sign_in("a long passphrase", forwarded="[2001:db8::1]:4711"))

    def test_a_header_that_names_no_address_leaves_the_balancers(self):
        response = self.sign_in("a long passphrase", forwarded="unknown")
        self.assert_signed_in(response)

    def test_each_visitor_has_their_own_contact_form_limit(self):
        def send(visitor):
            return Client(REMOTE_ADDR=BALANCER, HTTP_X_FORWARDED_FOR=visitor).post(reverse("contact:form"), VALID)

        self.assertEqual([send(VISITOR).status_code for _ in range(3)], [302, 302, 429])
        self.assertEqual(send(OTHER_VISITOR).status_code, 302)
        self.assertEqual(Message.objects.count(), 3)
