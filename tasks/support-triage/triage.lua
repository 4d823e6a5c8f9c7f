-- The support team's triage policy: every banking77 intent with its queue (category), how soon
-- someone must look (urgency) and whether a person must act (needs_human). The pack's README
-- explains the rules; this table is the one place they are written down.
--
-- urgency  high:   money or access may be in someone else's hands now, or the customer has
--                  lost money they did not agree to (stolen or compromised card or phone, a
--                  payment, debit or withdrawal they did not make, a double charge, wrong cash
--                  from an ATM, a card kept by an ATM).
--          normal: something already happened and went wrong or is stuck (pending, declined,
--                  failed, reverted, not arrived, a fee the customer disputes, locked out).
--          low:    a question about how things work, limits, fees in general, or a request the
--                  customer can do in the app.
-- needs_human: every high case, and the cases only staff can carry out (cancelling a transfer,
--              a refund request, closing an account, an identity check that failed).
local H, N, L = "high", "normal", "low"
local function t(category, urgency, human) return { category = category, urgency = urgency, needs_human = human } end

return {
  -- cards: getting, activating and using a card
  card_arrival = t("card", N, false),
  card_delivery_estimate = t("card", L, false),
  card_linking = t("card", L, false),
  card_not_working = t("card", N, false),
  contactless_not_working = t("card", N, false),
  virtual_card_not_working = t("card", N, false),
  card_acceptance = t("card", L, false),
  supported_cards_and_currencies = t("card", L, false),
  visa_or_mastercard = t("card", L, false),
  getting_virtual_card = t("card", L, false),
  get_disposable_virtual_card = t("card", L, false),
  disposable_card_limits = t("card", L, false),
  get_physical_card = t("card", L, false),
  order_physical_card = t("card", L, false),
  getting_spare_card = t("card", L, false),
  activate_my_card = t("card", L, false),
  card_about_to_expire = t("card", L, false),
  apple_pay_or_google_pay = t("card", L, false),
  change_pin = t("card", L, false),
  pin_blocked = t("card", N, false),
  card_swallowed = t("card", H, true),
  -- card payments
  pending_card_payment = t("payments", N, false),
  declined_card_payment = t("payments", N, false),
  ["reverted_card_payment?"] = t("payments", N, false),
  card_payment_fee_charged = t("payments", N, false),
  card_payment_wrong_exchange_rate = t("payments", N, false),
  extra_charge_on_statement = t("payments", N, false),
  card_payment_not_recognised = t("payments", H, true),
  direct_debit_payment_not_recognised = t("payments", H, true),
  transaction_charged_twice = t("payments", H, true),
  request_refund = t("payments", N, true),
  Refund_not_showing_up = t("payments", N, false),
  -- cash and ATMs
  atm_support = t("cash", L, false),
  pending_cash_withdrawal = t("cash", N, false),
  declined_cash_withdrawal = t("cash", N, false),
  cash_withdrawal_charge = t("cash", N, false),
  wrong_exchange_rate_for_cash_withdrawal = t("cash", N, false),
  wrong_amount_of_cash_received = t("cash", H, true),
  cash_withdrawal_not_recognised = t("cash", H, true),
  -- transfers
  transfer_timing = t("transfers", L, false),
  receiving_money = t("transfers", L, false),
  transfer_into_account = t("transfers", L, false),
  pending_transfer = t("transfers", N, false),
  declined_transfer = t("transfers", N, false),
  failed_transfer = t("transfers", N, false),
  transfer_not_received_by_recipient = t("transfers", N, false),
  transfer_fee_charged = t("transfers", N, false),
  beneficiary_not_allowed = t("transfers", N, false),
  balance_not_updated_after_bank_transfer = t("transfers", N, false),
  cancel_transfer = t("transfers", N, true),
  -- topping up
  automatic_top_up = t("top_up", L, false),
  topping_up_by_card = t("top_up", L, false),
  top_up_by_cash_or_cheque = t("top_up", L, false),
  top_up_limits = t("top_up", L, false),
  verify_top_up = t("top_up", L, false),
  top_up_by_card_charge = t("top_up", L, false),
  top_up_by_bank_transfer_charge = t("top_up", L, false),
  pending_top_up = t("top_up", N, false),
  top_up_failed = t("top_up", N, false),
  top_up_reverted = t("top_up", N, false),
  balance_not_updated_after_cheque_or_cash_deposit = t("top_up", N, false),
  -- currencies
  exchange_rate = t("exchange", L, false),
  exchange_via_app = t("exchange", L, false),
  exchange_charge = t("exchange", L, false),
  fiat_currency_support = t("exchange", L, false),
  -- the account and the customer's identity
  age_limit = t("account", L, false),
  country_support = t("account", L, false),
  edit_personal_details = t("account", L, false),
  why_verify_identity = t("account", L, false),
  verify_my_identity = t("account", L, false),
  verify_source_of_funds = t("account", L, false),
  passcode_forgotten = t("account", N, false),
  unable_to_verify_identity = t("account", N, true),
  terminate_account = t("account", N, true),
  -- security
  lost_or_stolen_card = t("security", H, true),
  compromised_card = t("security", H, true),
  lost_or_stolen_phone = t("security", H, true),
}
