// The CRM API's vocabulary for what the toolbar reports: which handler each transfer and
// conference kind fires (with the reason text the integration guide gives), and how a call's
// agentbar names (callId, userCrt, customerCrt, legId) read in the CRM's userCustomerCRTInfo.
// The toolbar outside crm/ never spells these names; agentbar's wire never carries them.

// Transfers and conferences: the toolbar's kind -> the handler a CRM page registers, and the
// reason text it receives.
export const TRANSFER_HANDLERS = {
  phone: ["transferToPhoneHandler", "transfer to phone request sent"],
  incall: ["transferInCallHandler", "transfer to phone incall request sent"],
  queue: ["transferToAQHandler", "transfer to agent queue request sent"],
  ivr: ["transferToIVRHandler", "transfer to ivr request sent"],
  user: ["transferToUserHandler", "transfer to user request sent"],
  campaign: ["transferToCampaignHandler", "transfer to campaign request sent"],
};

export const CONFERENCE_HANDLERS = {
  phone: ["conferWithPhoneHandler", "confer phone request sent"],
  tpv: ["conferWithTPVHandler", "confer with tpv request sent"],
  user: ["conferWithUserHandler", "confer with user request sent"],
  ivr: ["conferWithLocalIVRHandler", "confer with local ivr request sent"],
};

// The disposition answers travel under the older names (the glue also fires the seed's).
export const DISPOSITION_CODES = "getDispositionCodesHandler";
export const DISPOSITION_CODES_WITH_CLASS = "getDispositionCodeWithClassHandler";

// A call event's data (agentbar's names) as the CRM's userCustomerCRTInfo.
export function crtInfo(data) {
  return {
    userCrtObjectId: data.userCrt,
    customerCrtObjectId: data.customerCrt,
    callId: data.callId,
    campaignId: data.campaignId,
    phone: data.phone,
  };
}

// A screen pop's additionalParams: what the CRM gave the dial first, so it can never
// overwrite the call's own ids.
export function screenPopParams(data) {
  return {
    ...(data.crmParams || {}),
    callType: data.callType,
    campaignName: data.campaignName,
    crtObjectId: data.userCrt,
    ...crtInfo(data),
  };
}
