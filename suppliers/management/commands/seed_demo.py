"""python manage.py seed_demo: load the reference set and the demo users (idempotent).

Under the production settings the demo users (a published password) are refused with exit code
1 and nothing loaded, unless ``--force-demo-users``; ``--no-users`` loads the reference set only."""

from django.core.management.base import BaseCommand, CommandError

from suppliers.services.seed import DEMO_PASSWORD, DemoUsersRefused, seed_demo


class Command(BaseCommand):
    help = "Load the chain's reference data (branches, suppliers, categories, products) and demo users."

    def add_arguments(self, parser):
        parser.add_argument("--no-users", action="store_true", help="Load reference data only.")
        parser.add_argument("--force-demo-users", action="store_true",
                            help="Create the demo users even under the production settings (a demo stand).")

    def handle(self, *args, **options):
        try:
            report = seed_demo(with_users=not options["no_users"], force_demo_users=options["force_demo_users"])
        except DemoUsersRefused as exc:
            raise CommandError(str(exc)) from None
        created = ", ".join(f"{k}: {v}" for k, v in report.created.items() if v) or "nothing new"
        self.stdout.write(f"Reference data loaded ({created}).")
        if options["verbosity"] >= 1 and not options["no_users"]:
            self.stdout.write(f"Demo logins (password «{DEMO_PASSWORD}» for all):")
            self.stdout.write("  admin     administrator (Django admin at /admin/)")
            self.stdout.write("  marketer  marketer: every promo, bulk import, targeting, exports")
            self.stdout.write("  manager   category manager of all 18 categories")
            self.stdout.write("  manager1, manager2, manager3  category managers of 6 categories each")
            self.stdout.write("  s001 … s100  supplier users (one per supplier, e.g. s001 = S001)")
