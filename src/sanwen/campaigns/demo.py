from sanwen.campaigns.services import campaign_create
from sanwen.core.demo import DemoContext


def build(ctx: DemoContext) -> None:
    county = ctx.data["county"]
    campaign = campaign_create(
        bureau=county,
        name="“三问三解”活动",
        start=ctx.start,
        end=None,
        description="问政于客户、问需于客户、问计于客户，解客户忧虑、解客户怨恨、解客户困难。"
        "以“三送三抓”为载体，推行“八办”工作法和“六个零”制度。",
        name_en="“Three Asks, Three Solves” campaign",
        description_en="Ask clients about our work, their needs and their ideas; solve their worries, grievances "
        "and difficulties. Carried by the three sends and three graspings, with the eight handling modes and "
        "the six zeros.",
    )
    ctx.data["campaign"] = campaign
    ctx.say(f"  campaign: {campaign.name} from {campaign.start}")
