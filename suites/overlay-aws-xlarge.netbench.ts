import { defineSuite } from 'netbench'
import { overlayStudy } from './overlay-aws.study.ts'

/** The 2017 overlay study on m4.xlarge (~750 Mbit/s uplinks); see overlay-aws.study.ts. */
export default defineSuite(overlayStudy('m4.xlarge', 750))
