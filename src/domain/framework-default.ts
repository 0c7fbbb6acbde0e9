/**
 * The framework shipped with the product. ILLUSTRATIVE: the official NHS England criteria text is
 * in a document we do not hold, so these criteria are our own wording, arranged on the six
 * published sections, with the kinds of evidence that public NHS work experience toolkits and
 * trust policies typically show. An admin replaces it by importing the official framework.
 */
import type { Criterion, Framework } from './framework.js';

const c = (
  id: string,
  section: Criterion['section'],
  minimumLevel: Criterion['minimumLevel'],
  text: string,
  suggestedEvidence: string[],
): Criterion => ({
  id,
  section,
  text,
  minimumLevel,
  suggestedEvidence,
});

export const DEFAULT_FRAMEWORK_VERSION = 'illustrative-2026.1';

export const DEFAULT_FRAMEWORK: Framework = {
  version: DEFAULT_FRAMEWORK_VERSION,
  title: 'Work Experience Quality Standard framework (illustrative)',
  illustrative: true,
  notice:
    'Illustrative framework: these criteria are examples written for this app to show how the six sections work. ' +
    'They are not the official NHS England Work Experience Quality Standard criteria text. ' +
    'An administrator should import the official framework before a real cycle.',
  criteria: [
    // 1. Healthcare organisation
    c(
      '1.1',
      1,
      'bronze',
      'The organisation has an approved work experience policy that names who is responsible for the offer.',
      ['Work experience policy'],
    ),
    c(
      '1.2',
      1,
      'bronze',
      'Safeguarding arrangements for learners on placement are set out and known to host departments.',
      ['Safeguarding arrangements', 'Work experience policy'],
    ),
    c(
      '1.3',
      1,
      'silver',
      'The work experience offer is clear and easy to find on the organisation’s website, with how to apply.',
      ['Website page advertising the offer', 'Placement information sheet'],
    ),
    c(
      '1.4',
      1,
      'gold',
      'Placements are offered across a variety of clinical and non-clinical host departments and reach under-represented groups.',
      ['Placement information sheet', 'Suggested clinical tasks', 'Process documentation'],
    ),

    // 2. Pre-placement
    c('2.1', 2, 'bronze', 'Learners apply through a clear, fair application process.', [
      'Placement application form',
      'Acceptance letter',
    ]),
    c(
      '2.2',
      2,
      'bronze',
      'Every placement is risk assessed before it starts, and schools or colleges are told of any risks.',
      ['Risk assessment', 'Notification of risk to schools'],
    ),
    c('2.3', 2, 'silver', 'Health and agreement checks are completed before the placement, in confidence.', [
      'Confidential pre-placement health questionnaire',
      'Honorary contract / work experience agreement',
    ]),
    c(
      '2.4',
      2,
      'gold',
      'Learners receive information before the placement about what to expect, where to go and who will supervise them.',
      ['Placement information sheet', 'Acceptance letter'],
    ),

    // 3. Placement induction
    c('3.1', 3, 'bronze', 'Every learner receives a documented induction on their first day.', [
      'Induction checklist',
      'Induction materials',
    ]),
    c(
      '3.2',
      3,
      'silver',
      'Induction covers confidentiality, infection prevention, fire safety and how to raise a concern.',
      ['Induction checklist', 'Safeguarding arrangements'],
    ),
    c(
      '3.3',
      3,
      'gold',
      'Induction is adapted to the host department and the learner’s needs, including reasonable adjustments.',
      ['Induction materials', 'Learner evaluation form'],
    ),

    // 4. During placement
    c('4.1', 4, 'bronze', 'Each learner has a named supervisor throughout the placement.', [
      "Supervisor's report",
      'Placement information sheet',
    ]),
    c('4.2', 4, 'bronze', 'Learners take part in meaningful, suitable activities for their interests and age.', [
      'Suggested clinical tasks',
      'Daily diary / workbook',
    ]),
    c('4.3', 4, 'silver', 'Learners record what they do and learn during the placement.', ['Daily diary / workbook']),
    c('4.4', 4, 'silver', 'Learners have access to peer support on placement, such as a buddy or student ambassador.', [
      'Peer support on placement',
      'Staff and learner feedback',
    ]),
    c('4.5', 4, 'gold', 'Learners meet staff from several professions to learn about a range of NHS careers.', [
      'Daily diary / workbook',
      'Suggested clinical tasks',
    ]),

    // 5. Reflection and review
    c('5.1', 5, 'bronze', 'Learners evaluate their placement.', ['Learner evaluation form']),
    c('5.2', 5, 'silver', 'Supervisors give feedback on each learner and on the placement.', [
      "Supervisor's report",
      'Staff and learner feedback',
    ]),
    c('5.3', 5, 'gold', 'The organisation reviews feedback regularly and can show changes made as a result.', [
      'Staff and learner feedback',
      'Process documentation',
    ]),

    // 6. Post placement
    c('6.1', 6, 'bronze', 'Learners receive a certificate or record of their placement.', ['Certificate']),
    c(
      '6.2',
      6,
      'silver',
      'Learners are told about next steps, such as further placements, volunteering, apprenticeships or courses.',
      ['Post-placement follow-up'],
    ),
    c(
      '6.3',
      6,
      'gold',
      'The organisation keeps in touch with learners after the placement and tracks where they go next.',
      ['Post-placement follow-up', 'Process documentation'],
    ),
  ],
};
