import { Scope } from '../../src/domain/partner';
import { PARTNER_SCOPES } from '../../src/services/principal';

test("the API's Scope enum carries exactly the scope strings that keys are stored and checked with", () => {
  expect(Object.values(Scope)).toEqual([...PARTNER_SCOPES]);
});
