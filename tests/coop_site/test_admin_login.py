import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client, SimpleTestCase, TestCase, override_settings

from core.templatetags.durations import in_words

ADDRESS, OTHER_ADDRESS = "198.51.100.1", "203.0.113.9"


@override_settings(AXES_FAILURE_LIMIT=3, AXES_ADDRESS_FAILURE_LIMIT=None, AXES_COOLOFF_TIME=0.25)
class AdminLoginThrottleTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        users = get_user_model().objects
        cls.user = users.create_user("editor", "editor@example.gov", "a long passphrase", is_staff=True)
        users.create_user("publisher", "publisher@example.gov", "another long passphrase", is_staff=True)

    def sign_in(self, password, *, username="editor", address=ADDRESS):
        client = Client(REMOTE_ADDR=address)
        return client.post("/admin/login/?next=/admin/", {"username": username, "password": password})

    def assert_signed_in(self, response):
        self.assertRedirects(response, "/admin/", fetch_redirect_response=False)

    def assert_paused(self, response):
        self.assertContains(response, "Sign-in paused", status_code=429)

    def test_a_right_password_signs_in(self):
        self.assert_signed_in(self.sign_in("a long passphrase"))

    def test_a_wrong_password_is_refused_with_the_form_again(self):
        response = self.sign_in("guess")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Please enter the correct username and password")

    def test_after_the_limit_the_user_name_is_paused_from_that_address_even_with_the_right_password(self):
        for _ in range(2):
            self.assertEqual(self.sign_in("guess").status_code, 200)
        self.assert_paused(self.sign_in("guess"))
        self.assert_paused(self.sign_in("a long passphrase"))

    def test_the_pause_says_in_words_how_long_it_lasts(self):
        for _ in range(3):
            response = self.sign_in("guess")
        self.assertContains(response, "Try again in about 15 minutes", status_code=429)
        self.assertNotContains(response, "0:15:00", status_code=429)

    def test_one_persons_failures_pause_no_one_else_at_that_address(self):
        for _ in range(3):
            self.sign_in("guess")
        self.assert_signed_in(self.sign_in("another long passphrase", username="publisher"))

    def test_one_persons_failures_do_not_pause_their_user_name_from_another_address(self):
        for _ in range(3):
            self.sign_in("guess")
        self.assert_signed_in(self.sign_in("a long passphrase", address=OTHER_ADDRESS))

    def test_an_address_that_fails_for_many_user_names_is_paused_for_every_name(self):
        # Four times the pair's limit by default: 12 failures, never 3 for one name.
        names = [f"name{number}" for number in range(12)]
        for name in names[:11]:
            self.assertEqual(self.sign_in("guess", username=name).status_code, 200, name)
        self.assert_paused(self.sign_in("guess", username=names[11]))
        self.assert_paused(self.sign_in("a long passphrase"))
        self.assert_signed_in(self.sign_in("a long passphrase", address=OTHER_ADDRESS))

    @override_settings(AXES_ADDRESS_FAILURE_LIMIT=5)
    def test_the_addresss_limit_is_a_setting_of_its_own(self):
        for name in ("alice", "bob", "carol", "dave"):
            self.sign_in("guess", username=name)
        self.assert_signed_in(self.sign_in("a long passphrase"))
        self.sign_in("guess", username="erin")
        self.assert_paused(self.sign_in("another long passphrase", username="publisher"))

    def test_a_success_clears_earlier_failures_of_that_pair(self):
        for _ in range(2):
            self.sign_in("guess")
        self.sign_in("a long passphrase")
        for _ in range(2):
            self.sign_in("guess")
        self.assert_signed_in(self.sign_in("a long passphrase"))

    def test_a_success_clears_only_its_own_pairs_failures(self):
        for _ in range(2):
            self.sign_in("guess")
        self.assert_signed_in(self.sign_in("another long passphrase", username="publisher"))
        self.assert_paused(self.sign_in("guess"))

    @override_settings(AXES_ADDRESS_FAILURE_LIMIT=4)
    def test_a_success_leaves_the_addresss_failures_for_other_names(self):
        for name in ("alice", "bob", "carol"):
            self.sign_in("guess", username=name)
        self.assert_signed_in(self.sign_in("a long passphrase"))
        self.assert_paused(self.sign_in("guess", username="dave"))

    def test_weak_passwords_are_refused(self):
        for weak in ("password", "12345678", "short", "editor12"):
            with self.assertRaises(ValidationError, msg=weak):
                validate_password(weak, self.user)


class DurationInWordsTests(SimpleTestCase):
    def test_a_pause_is_said_in_minutes_or_hours(self):
        said = {minutes: in_words(datetime.timedelta(minutes=minutes)) for minutes in (0.2, 1, 15, 59, 60, 89, 120)}
        self.assertEqual(said, {
            0.2: "about 1 minute", 1: "about 1 minute", 15: "about 15 minutes", 59: "about 59 minutes",
            60: "about 1 hour", 89: "about 1 hour", 120: "about 2 hours",
        })
