from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client, TestCase, override_settings


@override_settings(AXES_FAILURE_LIMIT=3)
class AdminLoginThrottleTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.user = get_user_model().objects.create_user(
            "editor", "editor@example.gov", "a long passphrase", is_staff=True
        )

    def sign_in(self, password, *, username="editor", address="198.51.100.1"):
        client = Client(REMOTE_ADDR=address)
        return client.post("/admin/login/?next=/admin/", {"username": username, "password": password})

    def test_a_right_password_signs_in(self):
        self.assertRedirects(self.sign_in("a long passphrase"), "/admin/", fetch_redirect_response=False)

    def test_a_wrong_password_is_refused_with_the_form_again(self):
        response = self.sign_in("guess")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Please enter the correct username and password")

    def test_after_the_limit_the_user_name_is_paused_even_with_the_right_password(self):
        for _ in range(3):
            self.sign_in("guess")
        response = self.sign_in("a long passphrase")
        self.assertEqual(response.status_code, 429)
        self.assertContains(response, "Sign-in paused", status_code=429)
        response = self.sign_in("a long passphrase", address="203.0.113.9")
        self.assertEqual(response.status_code, 429, "the user name is paused from any address")

    def test_after_the_limit_the_address_is_paused_for_every_user_name(self):
        for name in ("alice", "bob", "carol"):
            self.sign_in("guess", username=name)
        self.assertEqual(self.sign_in("a long passphrase").status_code, 429)
        self.assertRedirects(self.sign_in("a long passphrase", address="203.0.113.9"), "/admin/",
                             fetch_redirect_response=False)

    def test_a_success_clears_earlier_failures(self):
        for _ in range(2):
            self.sign_in("guess")
        self.sign_in("a long passphrase")
        for _ in range(2):
            self.sign_in("guess")
        self.assertRedirects(self.sign_in("a long passphrase"), "/admin/", fetch_redirect_response=False)

    def test_weak_passwords_are_refused(self):
        for weak in ("password", "12345678", "short", "editor12"):
            with self.assertRaises(ValidationError, msg=weak):
                validate_password(weak, self.user)
