from django.apps import AppConfig


class TrialsConfig(AppConfig):
    name = "trials"

    def ready(self):
        from subscriptions import sites

        sites.site_claimants.append(trial_holds_site)


def trial_holds_site(name: str, exclude: object) -> bool:
    """A trial's Meetings site counts against the setup wizard's and other trials'; rows
    stored before sites were names only hold the whole address."""
    from subscriptions.sites import meeting_site_host
    from trials.models import Trial

    trials = Trial.objects.unscoped().filter(meetings_site_url__in=[name, meeting_site_host(name)])
    if isinstance(exclude, Trial):
        trials = trials.exclude(pk=exclude.pk)
    return trials.exists()
